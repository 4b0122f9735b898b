"""Coverage by simulation: over repeated samples from one synthetic population, 95%
intervals cover the population's true value about 95% of the time (seeded)."""

from __future__ import annotations

import numpy as np

from deo.measure.surveys import DesignSpec, Microdata, Target, build_design, estimate
from deo.measure.surveys.synthetic import (
    SampleSpec,
    business_register,
    draw_sample,
    population_truth,
)

SAMPLES = 200
TARGETS = {
    "received_orders_internet": Target("proportion", "received_orders_internet"),
    "computer_users_share": Target("ratio", "persons_using_computers", "employees"),
    "web_sales_value": Target("total", "web_sales_value"),
}


def test_intervals_cover_the_truth():
    register = business_register(8000, seed=21)
    truth = population_truth(register).iloc[0]
    spec = SampleSpec(fractions=(0.03, 0.1, 0.5))
    design_spec = DesignSpec(strata=("stratum",), weights="weight", fpc=("population",))
    covered = {name: 0 for name in TARGETS}
    widths = {name: [] for name in TARGETS}
    for seed in range(SAMPLES):
        design = build_design(Microdata.from_frame(draw_sample(register, spec, seed=seed)),
                              design_spec)
        for name, target in TARGETS.items():
            found = estimate(design, target)[0]
            covered[name] += found.ci_lower <= truth[name] <= found.ci_upper
            widths[name].append(found.ci_upper - found.ci_lower)
    rates = {name: hits / SAMPLES for name, hits in covered.items()}
    # 200 samples: a rate's sampling error is about 1.5 points; 3 of them either side.
    for name, rate in rates.items():
        assert 0.90 <= rate <= 0.995, (name, rates)
    assert 0.92 <= np.mean(list(rates.values())) <= 0.98, rates
    # ... and not by being wide: the share's interval spans under 10 points on average.
    assert np.mean(widths["received_orders_internet"]) < 0.10
    print("coverage", rates)

