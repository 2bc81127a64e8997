"""spaCy factories of the recognisers, the sentencizer and the tokenizer; importing this package registers them."""
from .countries import CountryRecogniser
from .figures import FigureRecogniser
from .meeting import MeetingFacts
from .programmes import ProgrammeRecogniser
from .sentencizer import ArraySentencizer
from .speakers import SpeakerRecogniser
from .tokenizer import ChunkCachedTokenizer
from .turns import TurnRecogniser

__all__ = ["ArraySentencizer", "ChunkCachedTokenizer", "CountryRecogniser", "FigureRecogniser", "MeetingFacts",
           "ProgrammeRecogniser", "SpeakerRecogniser", "TurnRecogniser"]
