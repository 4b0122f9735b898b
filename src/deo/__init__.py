"""Digital Economy Observatory: measure, assess, track and publish the digital economy."""

__version__ = "0.1.0"
