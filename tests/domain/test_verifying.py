"""server.domain.verifying: reading what was scanned, masking, and the verdict's wording.

The verification order itself is exercised end to end in tests/mini_program_api/test_verifications.py.
"""
import pytest

from server.domain.verifying import MESSAGES, extract_token, mask_name, mask_phone

BASE = "https://fwm.hnzwfw.gov.cn"
TOKEN = "WzEsMSwxNzk4NzMyODAwXQ.axDNIA.AHDRqxrHDJ6Zp_5QHrVc84WJRkQ"


@pytest.mark.parametrize("raw, expected", [
    (TOKEN, TOKEN),
    (f"  {TOKEN}\n", TOKEN),
    (f"{BASE}/c/{TOKEN}", TOKEN),
    (f" {BASE}/c/{TOKEN} ", TOKEN),
    # WeChat and some scanners append tracking parameters.
    (f"{BASE}/c/{TOKEN}?from=singlemessage", TOKEN),
    (f"https://evil.example.com/c/{TOKEN}", None),
    (f"https://fwm.hnzwfw.gov.cn.evil.com/c/{TOKEN}", None),
    (f"ftp://fwm.hnzwfw.gov.cn/c/{TOKEN}", None),
    (f"HTTPS://FWM.hnzwfw.gov.cn/c/{TOKEN}", TOKEN),
    # Our host, but not our URL: another scheme, another port, a user name in front of the host.
    (f"http://fwm.hnzwfw.gov.cn/c/{TOKEN}", None),
    (f"https://fwm.hnzwfw.gov.cn:8443/c/{TOKEN}", None),
    (f"https://staff@fwm.hnzwfw.gov.cn/c/{TOKEN}", None),
    (f"https://fwm.hnzwfw.gov.cn@evil.example.com/c/{TOKEN}", None),
    (f"{BASE}/x/{TOKEN}", None),
    (f"{BASE}/c/{TOKEN}/extra", None),
    (f"{BASE}/c/", None),
    (f"{BASE}/", None),
    ("javascript:alert(1)", None),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_extract_token_accepts_our_urls_and_bare_tokens_only(raw, expected):
    assert extract_token(raw, BASE) == expected


def test_extract_token_honours_the_port_of_the_base_url():
    assert extract_token(f"http://127.0.0.1:5000/c/{TOKEN}", "http://127.0.0.1:5000") == TOKEN
    assert extract_token(f"http://127.0.0.1:1/c/{TOKEN}", "http://127.0.0.1:5000") is None
    assert extract_token(f"http://127.0.0.1/c/{TOKEN}", "http://127.0.0.1:5000") is None


def test_extract_token_honours_a_base_url_with_a_path():
    assert extract_token(f"https://zwfw.example.gov.cn/fwm/c/{TOKEN}", "https://zwfw.example.gov.cn/fwm") == TOKEN
    assert extract_token(f"https://zwfw.example.gov.cn/c/{TOKEN}", "https://zwfw.example.gov.cn/fwm") is None


@pytest.mark.parametrize("phone, masked", [
    ("19556796249", "195****6249"),
    ("0573-87011234", "057****1234"),
    # A short number (a landline without its area code, an extension) shows only its last two.
    ("8763902", "****02"),
    ("0573-870112", "057****0112"),
    ("87011234", "****34"),
    ("123456", "****"),
    ("12345", "****"),
    ("", "****"),
    (None, "****"),
])
def test_mask_phone_keeps_only_the_ends(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("name, masked", [
    ("海宁兴隆恒远皮革有限公司", "海宁＊＊＊有限公司"),
    ("海宁市金潮化纤有限公司", "海宁＊＊＊公司"),
    ("海宁金潮有限公司", "海宁＊＊＊公司"),
    ("测试企业A", "测＊＊＊A"),
    ("海宁金潮化纤", "海＊＊＊化纤"),
    ("金潮化纤", "金＊＊＊纤"),
    ("小店", "＊＊＊"),
    ("", "＊＊＊"),
    (None, "＊＊＊"),
])
def test_mask_name_keeps_a_recognisable_frame(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("name", ["测试企业A", "海宁金潮化纤", "海宁金潮有限公司", "海宁市金潮化纤有限公司",
                                  "海宁兴隆恒远皮革有限公司"])
def test_a_masked_name_never_shows_more_than_half_of_it(name):
    visible = len(mask_name(name)) - 3
    assert 0 < visible <= len(name) / 2


def test_every_reason_of_the_design_has_chinese_and_english_wording():
    reasons = {"ok", "malformed", "bad_signature", "unknown_code", "superseded", "rejected", "pending_approval",
               "provider_exited", "revoked", "not_yet_valid", "expired", "dynamic_expired",
               "wrong_enterprise", "out_of_scope",
               # An agency may require dynamic codes (DESIGN.md); a printed code then gets this reason.
               "dynamic_required"}

    assert set(MESSAGES) == reasons
    assert MESSAGES["ok"] == ("服务码有效，可以入企", "Valid code: entry allowed")
    assert MESSAGES["bad_signature"][0] == "服务码被篡改或伪造，请拒绝入企并反映"
    assert MESSAGES["provider_exited"][0] == "该机构已被委托单位清退，不得入企"
    # A service, not an inspection: no message at the door speaks of 检查.
    assert not any("检查" in zh for zh, _ in MESSAGES.values())
