"""The Aliyun adapter against a local server pretending to be dysmsapi: it checks the RPC v1
HMAC-SHA1 signature, the action and the template, and answers as Aliyun does."""

from __future__ import annotations

import json

import pytest

from deliberation.notifications import sms
from tests.fake_aliyun import fake_aliyun
from tests.parallel import free_port

SECRET = "test-secret"


@pytest.fixture(scope="module")
def aliyun_server():
    with fake_aliyun(SECRET) as fake:
        yield fake


@pytest.fixture
def aliyun(app, monkeypatch, aliyun_server):
    for key, value in {"SMS_PROVIDER": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "LTAItest",
                       "ALIYUN_SMS_ACCESS_KEY_SECRET": SECRET, "ALIYUN_SMS_SIGN_NAME": "社区议事厅",
                       "ALIYUN_SMS_ENDPOINT": aliyun_server.endpoint,
                       "ALIYUN_SMS_TEMPLATE_NOTICE": "SMS_100001"}.items():
        monkeypatch.setitem(app.config, key, value)
    aliyun_server.reset()
    return sms.provider()


def test_signature_matches_aliyuns_documented_example():
    # The example from Aliyun's RPC signature documentation (secret "testsecret").
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
              "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert sms.aliyun_signature(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_sends_with_a_valid_signature_and_returns_the_biz_id(aliyun, aliyun_server):
    assert aliyun.name == "aliyun"
    biz_id = aliyun.send("13800000101", "notice", {"title": "路灯", "event": "已受理"})
    assert biz_id == "900619746936498440^0"
    [query] = aliyun_server.seen
    assert query["Action"] == "SendSms" and query["TemplateCode"] == "SMS_100001"
    assert query["SignName"] == "社区议事厅" and query["PhoneNumbers"] == "13800000101"
    assert json.loads(query["TemplateParam"]) == {"title": "路灯", "event": "已受理"}


def test_an_invalid_number_is_permanent_and_throttling_is_not(aliyun, aliyun_server):
    aliyun_server.answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
    with pytest.raises(sms.SmsError) as err:
        aliyun.send("13800000101", "notice", {"title": "a", "event": "b"})
    assert err.value.permanent
    aliyun_server.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    with pytest.raises(sms.SmsError) as err:
        aliyun.send("13800000101", "notice", {"title": "a", "event": "b"})
    assert not err.value.permanent


def test_a_missing_template_code_or_bad_secret_is_permanent(aliyun, app, monkeypatch):
    with pytest.raises(sms.SmsError) as err:
        aliyun.send("13800000101", "reminder", {"event": "x"})
    assert err.value.permanent and "ALIYUN_SMS_TEMPLATE_REMINDER" in str(err.value)
    monkeypatch.setitem(app.config, "ALIYUN_SMS_ACCESS_KEY_SECRET", "wrong")
    with pytest.raises(sms.SmsError) as err:
        sms.provider().send("13800000101", "notice", {"title": "a", "event": "b"})
    assert err.value.permanent and "SignatureDoesNotMatch" in str(err.value)


def test_unreachable_is_retried(app, monkeypatch, aliyun):
    monkeypatch.setitem(app.config, "ALIYUN_SMS_ENDPOINT", f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(sms.SmsError) as err:
        sms.provider().send("13800000101", "notice", {"title": "a", "event": "b"})
    assert not err.value.permanent
