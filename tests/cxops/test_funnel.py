import pytest

from cxops.analytics.funnel import funnel_analyse


def survey(*rates, respondents=1000):
    stages = ("awareness", "cognition", "identification", "approval")
    return {
        stage: (respondents, round(rate * respondents)) for stage, rate in zip(stages, rates, strict=True)
    }


def test_video_call_gap_is_before_awareness():
    # given few have heard of video calls (an introduction-phase product)
    analysis = funnel_analyse(survey(0.18, 0.12, 0.05, 0.04), phase="introduction")
    # then the gap is the drop from everyone to awareness, and the focus is to raise awareness
    assert analysis.gap.before is None
    assert analysis.gap.size == pytest.approx(0.82)
    assert analysis.gap_focus == ("awareness",)
    assert analysis.phase_focus == ("awareness",)
    assert analysis.agrees_with_phase


def test_mms_loses_people_twice_so_both_rates_after_the_drops_are_named():
    # drops 0.08, 0.37 (to cognition), 0.35 (to identification), 0.03: two gaps of the same order
    analysis = funnel_analyse(survey(0.92, 0.55, 0.20, 0.17), phase="maturity")
    assert analysis.gap.after == "cognition" and analysis.gap.size == pytest.approx(0.37)
    assert analysis.gap_focus == ("cognition", "identification")
    assert analysis.phase_focus == ("use", "repeat_use")


def test_ringback_loses_people_on_the_way_to_identification_and_approval():
    analysis = funnel_analyse(survey(0.96, 0.88, 0.55, 0.25), phase="maturity")
    assert [round(d.size, 2) for d in analysis.drops] == [0.04, 0.08, 0.33, 0.30]
    assert analysis.gap_focus == ("identification", "approval")  # funnel order, not size order
    assert analysis.phase_focus_rates == ("identification", "approval")
    assert analysis.agrees_with_phase


def test_one_clear_gap_names_only_the_rate_after_it():
    # the largest drop is to identification (0.50); the next (0.15) is far smaller
    analysis = funnel_analyse(survey(0.95, 0.80, 0.30, 0.24), phase="maturity")
    assert analysis.gap_focus == ("identification",)
    # the rate before the drop (cognition, 80%) is healthy: raising it is not the point
    assert "cognition" not in analysis.gap_focus


@pytest.mark.parametrize(
    ("rates", "focus"),
    [
        ((0.90, 0.50, 0.10, 0.05), ("cognition", "identification")),  # 0.40 and 0.40: a tie
        ((0.90, 0.50, 0.17, 0.15), ("cognition", "identification")),  # 0.33 ≥ 0.8 × 0.40
        ((0.90, 0.50, 0.19, 0.15), ("cognition",)),  # 0.31 < 0.8 × 0.40: one gap
        ((0.60, 0.55, 0.50, 0.10), ("awareness", "approval")),  # 0.40 before awareness, 0.40 at the end
        ((1.00, 1.00, 1.00, 1.00), ("awareness",)),  # no drop at all: nothing close to name twice
    ],
)
def test_close_second_drops(rates, focus):
    analysis = funnel_analyse(survey(*rates), phase="growth")
    assert analysis.gap_focus == focus


def test_rates_are_per_stage_respondents():
    counts = {
        "awareness": (200, 100),
        "cognition": (400, 100),
        "identification": (100, 10),
        "approval": (100, 5),
    }
    analysis = funnel_analyse(counts, phase="growth")
    assert analysis.rates == {"awareness": 0.5, "cognition": 0.25, "identification": 0.1, "approval": 0.05}
    assert analysis.phase_focus == ("knowledge", "inclination")


def test_a_tie_reports_the_earlier_drop_as_the_gap():
    analysis = funnel_analyse(survey(0.9, 0.5, 0.1, 0.05), phase="growth")
    assert analysis.gap.after == "cognition"
    assert analysis.gap_focus == ("cognition", "identification")


def test_missing_stage_gives_no_gap_rather_than_a_wrong_one():
    counts = {"awareness": (100, 50), "cognition": (0, 0), "identification": (100, 10), "approval": (100, 5)}
    analysis = funnel_analyse(counts, phase="decline")
    assert analysis.gap is None
    assert analysis.gap_focus == ()
    assert analysis.phase_focus == ("repeat_use",)
