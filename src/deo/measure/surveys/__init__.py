"""Design-based estimates from sample surveys (ICT use by businesses and households).

Read microdata (:func:`read_microdata`), describe its design (:func:`build_design`),
adjust the weights (:func:`adjust_nonresponse`, :func:`calibrate`), optionally add
replicate weights (:func:`with_replicates`), and estimate totals, means, proportions and
ratios with their standard errors, overall or by domain (:func:`estimate` and friends).
Indicator maps (TOML recipes) turn questionnaire variables into catalogue indicators.
"""

from deo.measure.surveys.calibration import Margin, adjust_nonresponse, calibrate
from deo.measure.surveys.design import DesignSpec, SurveyDesign, build_design
from deo.measure.surveys.estimators import (
    Estimate,
    Target,
    estimate,
    survey_mean,
    survey_proportion,
    survey_ratio,
    survey_total,
    to_frame,
)
from deo.measure.surveys.microdata import Microdata, read_microdata
from deo.measure.surveys.replicates import given_replicates, with_replicates

__all__ = [
    "DesignSpec",
    "Estimate",
    "Margin",
    "Microdata",
    "SurveyDesign",
    "Target",
    "adjust_nonresponse",
    "build_design",
    "calibrate",
    "estimate",
    "given_replicates",
    "read_microdata",
    "survey_mean",
    "survey_proportion",
    "survey_ratio",
    "survey_total",
    "to_frame",
    "with_replicates",
]
