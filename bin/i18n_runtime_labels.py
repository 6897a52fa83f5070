# ruff: noqa: E402  (imports follow the sys.path set-up and the package walk)
"""Collect runtime labels (LabeledEnum members, workflow TRANSITIONS/EVENT_LABELS, and a few
extra strings) and add the missing ones to a catalogue: the extracted .pot (preferred, so that
`pybabel update --ignore-obsolete` keeps them and their translations) or a .po.

usage: .venv/bin/python bin/i18n_runtime_labels.py /tmp/messages.pot  (see README, Translations)"""
import importlib
import pkgutil
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import deliberation
from deliberation.core.enums import LabeledEnum

for m in pkgutil.walk_packages(deliberation.__path__, "deliberation."):
    try:
        importlib.import_module(m.name)
    except Exception as e:
        print("skip", m.name, e, file=sys.stderr)

def subclasses(c):
    for s in c.__subclasses__():
        yield s
        yield from subclasses(s)

labels = {}
for cls in subclasses(LabeledEnum):
    for mem in cls:
        if mem._label:
            labels.setdefault(mem._label, f"{cls.__module__}.{cls.__name__}.{mem.name}")
from deliberation.matters import workflow

for name, t in workflow.TRANSITIONS.items():
    labels.setdefault(t.label, f"workflow.TRANSITIONS[{name}]")
for k, v in workflow.EVENT_LABELS.items():
    labels.setdefault(v, f"workflow.EVENT_LABELS[{k}]")

# LABELS dicts (what packages give core.labels.register, and class-level ones such as
# DeliveryState.LABELS): translated when shown, so never seen by the extractor.
import re

_cjk = re.compile(r"[\u4e00-\u9fff]")
for module in list(sys.modules.values()):
    if not getattr(module, "__name__", "").startswith("deliberation"):
        continue
    for name, value in list(vars(module).items()):
        holders = [(name, value)]
        if isinstance(value, type) and value.__module__ == module.__name__:
            holders += [(f"{name}.{n}", v) for n, v in vars(value).items()]
        for where, held in holders:
            if "LABELS" in where.rsplit(".", 1)[-1] and isinstance(held, dict):
                for text in held.values():
                    if isinstance(text, str) and _cjk.search(text):
                        labels.setdefault(text, f"{module.__name__}.{where}")

# Plain strings the code shows without gettext today (Flask-Login's login_message); listed so
# that a one-line code fix (login_manager.localize_callback = gettext) finds a translation.
EXTRA = {"请先登录。": "deliberation/__init__.py login_manager.login_message",
         "。": "deliberation/public/charts.py (gettext inside an f-string)"}
for k, v in EXTRA.items():
    labels.setdefault(k, v)

from babel.messages.pofile import read_po, write_po

path = sys.argv[1] if len(sys.argv) > 1 else "/work/main/deliberation/translations/en/LC_MESSAGES/messages.po"
with open(path, "rb") as f:
    cat = read_po(f)
added = 0
for msgid, where in labels.items():
    if msgid not in cat:
        cat.add(msgid, "", auto_comments=["runtime label: " + where])
        added += 1
with open(path, "wb") as f:
    write_po(f, cat, width=76)
print("labels", len(labels), "added", added)
