"""Plotly specs for the tracker's dashboard (drawn by the page's chart macro; every chart
has a table beside it with the same numbers)."""

from __future__ import annotations

import pandas as pd

#: Colours by status, readable by people with the common colour-vision deficiencies.
STATUS_COLOURS = {"completed": "#1a7f37", "in_progress": "#0b5cad", "delayed": "#b35900",
                  "on_hold": "#8250df", "cancelled": "#6e7781", "planned": "#9ecae1",
                  "not_started": "#d0d7de"}


def rate_bars(rates: pd.DataFrame, axis: str) -> dict | None:
    """Horizontal bars: the implementation rate (percent) of each group."""
    if rates.empty:
        return None
    values = [None if r is None or r != r else round(r * 100, 1) for r in rates["rate"]]
    return {"traces": [{"type": "bar", "orientation": "h", "x": values,
                        "y": rates["label"].tolist(), "marker": {"color": "#0b5cad"}}],
            "layout": {"margin": {"t": 10, "l": 260}, "xaxis": {"range": [0, 100],
                                                               "title": {"text": axis}},
                       "yaxis": {"autorange": "reversed"}, "height": 60 + 32 * len(rates)}}


def rate_line(over_time: pd.DataFrame, axis: str) -> dict | None:
    if over_time.empty:
        return None
    return {"traces": [{"type": "scatter", "mode": "lines+markers",
                        "x": [str(d) for d in over_time["date"]],
                        "y": [None if r is None or r != r else round(r * 100, 1)
                              for r in over_time["rate"]]}],
            "layout": {"margin": {"t": 10}, "yaxis": {"range": [0, 100],
                                                     "title": {"text": axis}}}}


def timeline_chart(states: pd.DataFrame) -> dict | None:
    """Each dated measure as a bar from its start to its due date, coloured by status."""
    dated = states.dropna(subset=["start_date", "due_date"])
    if dated.empty:
        return None
    traces = []
    for status, part in dated.groupby("status", sort=False):
        start = pd.to_datetime(part["start_date"])
        length = (pd.to_datetime(part["due_date"]) - start).dt.days * 86_400_000
        traces.append({
            "type": "bar", "orientation": "h", "base": start.dt.strftime("%Y-%m-%d").tolist(),
            "x": length.tolist(), "y": part["code"].tolist(),
            "name": part["status_label"].iloc[0],
            "marker": {"color": STATUS_COLOURS.get(status, "#57606a")},
            "hovertext": part["title"].tolist(),
        })
    return {"traces": traces,
            "layout": {"barmode": "overlay", "margin": {"t": 10, "l": 70},
                       "xaxis": {"type": "date"}, "yaxis": {"autorange": "reversed",
                                                             "type": "category"},
                       "height": min(1600, 80 + 18 * len(dated))}}


def target_chart(targets: pd.DataFrame, labels: dict[str, str]) -> dict | None:
    """Baseline, latest actual and target of each indicator target, side by side."""
    if targets.empty:
        return None
    names = [f"{r.indicator_name} ({r.area})" for r in targets.itertuples()]
    traces = [{"type": "bar", "name": labels[key], "x": names,
               "y": targets[column].tolist()}
              for key, column in (("baseline", "baseline_value"), ("actual", "actual"),
                                  ("target", "target_value"))]
    return {"traces": traces, "layout": {"barmode": "group", "margin": {"t": 10}}}
