import csv
import io
from decimal import Decimal

import pytest

from cxops.exports import csv_response
from cxops.exports import csv_text
from cxops.exports import safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("飞信申请失败", "飞信申请失败"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_text_cells_that_a_spreadsheet_would_evaluate_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_numbers_stay_numbers_even_when_negative():
    assert safe_cell(-3) == -3
    assert safe_cell(-0.25) == -0.25
    assert safe_cell(Decimal("-1.5")) == Decimal("-1.5")


def test_document_starts_with_a_bom_and_round_trips_chinese():
    text = csv_text(["产品", "咨询量"], [["彩铃", 12], ["=1+1", -2]])
    assert text.startswith("\ufeff产品,咨询量\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["产品", "咨询量"], ["彩铃", "12"], ["'=1+1", "-2"]]


def test_response_is_an_attachment_with_an_encoded_chinese_name():
    response = csv_response("咨询量.csv", ["a"], [[1]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E5%92%A8%E8%AF%A2%E9%87%8F.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbfa\r\n1\r\n")
