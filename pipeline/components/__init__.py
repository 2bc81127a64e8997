"""spaCy factories of the recognisers; importing this package registers them."""
from .countries import CountryRecogniser
from .figures import FigureRecogniser
from .programmes import ProgrammeRecogniser
from .speakers import SpeakerRecogniser

__all__ = ["CountryRecogniser", "FigureRecogniser", "ProgrammeRecogniser", "SpeakerRecogniser"]
