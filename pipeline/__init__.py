"""Meeting summaries as data: speakers, countries, programmes and figures from PDFs."""
__version__ = "0.1.0"
