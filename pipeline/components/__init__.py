"""spaCy factories of the recognisers; importing this package registers them."""
from .countries import CountryRecogniser
from .figures import FigureRecogniser
from .meeting import MeetingFacts
from .programmes import ProgrammeRecogniser
from .speakers import SpeakerRecogniser
from .turns import TurnRecogniser

__all__ = ["CountryRecogniser", "FigureRecogniser", "MeetingFacts", "ProgrammeRecogniser", "SpeakerRecogniser",
           "TurnRecogniser"]
