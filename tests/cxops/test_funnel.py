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


def test_mms_gap_is_between_cognition_and_identification():
    analysis = funnel_analyse(survey(0.95, 0.80, 0.30, 0.24), phase="maturity")
    assert analysis.gap_focus == ("cognition", "identification")
    assert analysis.gap.size == pytest.approx(0.50)
    assert analysis.phase_focus == ("use", "repeat_use")


def test_ringback_gap_is_between_identification_and_approval():
    analysis = funnel_analyse(survey(0.97, 0.90, 0.72, 0.30), phase="maturity")
    assert analysis.gap_focus == ("identification", "approval")
    assert [round(d.size, 2) for d in analysis.drops] == [0.03, 0.07, 0.18, 0.42]
    assert analysis.phase_focus_rates == ("identification", "approval")
    assert analysis.agrees_with_phase


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


def test_a_tie_names_the_earlier_drop():
    analysis = funnel_analyse(survey(0.9, 0.5, 0.1, 0.05), phase="growth")
    assert analysis.gap_focus == ("awareness", "cognition")


def test_missing_stage_gives_no_gap_rather_than_a_wrong_one():
    counts = {"awareness": (100, 50), "cognition": (0, 0), "identification": (100, 10), "approval": (100, 5)}
    analysis = funnel_analyse(counts, phase="decline")
    assert analysis.gap is None
    assert analysis.gap_focus == ()
    assert analysis.phase_focus == ("repeat_use",)
