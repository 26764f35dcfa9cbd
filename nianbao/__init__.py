"""nianbao: China's government information-disclosure annual reports as validated open data."""

__version__ = "0.1.0"
