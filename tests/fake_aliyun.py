"""A local HTTP server that answers as Aliyun's dysmsapi does: the far side of the paid SMS
provider, the one thing faked (tests/notifications/test_sms_aliyun.py, bench/delivery.py).

It checks the RPC v1 HMAC-SHA1 signature of every request. SendSms: keeps what it accepted
(`seen`), counts messages per phone number (`per_phone`) and answers with `answer` (a dysmsapi
JSON body). QuerySendDetails: lists the messages accepted for a number (with their OutId), or
answers `query_answer` when that is set (an error).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from deliberation.notifications import sms

OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"}


class FakeAliyun:
    def __init__(self, secret: str):
        self.secret = secret
        self.answer: dict = dict(OK)
        self.seen: list[dict] = []
        self.per_phone: Counter = Counter()
        self.out_ids: dict[str, list[str]] = {}
        self.query_answer: dict | None = None
        self.queries = 0
        self.lock = threading.Lock()
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def reset(self) -> None:
        with self.lock:
            self.answer = dict(OK)
            self.seen.clear()
            self.per_phone.clear()
            self.out_ids.clear()
            self.query_answer = None
            self.queries = 0

    def handle(self, path: str) -> tuple[int, dict]:
        query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        signature = query.pop("Signature", "")
        if signature != sms.aliyun_signature(query, self.secret):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "bad"}
        if query.get("Action") == "QuerySendDetails":
            return self.details(query)
        with self.lock:
            self.seen.append(query)
            answer = dict(self.answer)
            if answer.get("Code") == "OK":
                phone = query.get("PhoneNumbers", "")
                self.per_phone[phone] += 1
                self.out_ids.setdefault(phone, []).append(query.get("OutId", ""))
        return 200, answer

    def details(self, query: dict) -> tuple[int, dict]:
        with self.lock:
            self.queries += 1
            if self.query_answer is not None:
                return 200, dict(self.query_answer)
            phone = query.get("PhoneNumber", "")
            rows = [{"PhoneNum": phone, "OutId": out_id, "SendStatus": 3,
                     "SendDate": query.get("SendDate", "")}
                    for out_id in self.out_ids.get(phone, [])]
        return 200, {"Code": "OK", "Message": "OK", "TotalCount": str(len(rows)),
                     "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows}}


@contextmanager
def fake_aliyun(secret: str) -> Iterator[FakeAliyun]:
    """Serve a FakeAliyun on a free loopback port for the duration of the block."""
    fake = FakeAliyun(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, body = fake.handle(self.path)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
