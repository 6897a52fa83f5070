"""Run pip-audit on the installed venv and say plainly how much was really audited.

pip-audit asks PyPI's per-version JSON (`/pypi/NAME/VERSION/json`) for known vulnerabilities.
Where that answer is unavailable (some mirrors and proxies serve only `/pypi/NAME/json`),
pip-audit skips the package and still exits 0. Here a skipped package is looked up in the
project JSON instead, whose `vulnerabilities` apply to the latest release: valid when the
installed version is the latest. What neither source covers is listed as NOT AUDITED.
Exit 1 on any known vulnerability, or on anything unaudited with --strict.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def latest_vulns(name: str, version: str) -> list[str] | None:
    """Vulnerability ids for `name==version` if it is the latest release; None if unknown."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:  # noqa: S310
            data = json.load(r)
    except (OSError, ValueError):
        return None
    if data.get("info", {}).get("version") != version:
        return None
    return [v.get("id", "?") for v in data.get("vulnerabilities") or []]


def _installed(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def main(strict: bool) -> int:
    proc = subprocess.run([str(BIN / "pip-audit"), "-f", "json", "--progress-spinner", "off",
                           "--skip-editable"], capture_output=True, text=True, check=False)
    try:
        deps = json.loads(proc.stdout)["dependencies"]
    except (ValueError, KeyError):
        print(proc.stdout, proc.stderr, sep="\n")
        return 1
    found = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or '?'})"
             for d in deps for v in d.get("vulns", [])]
    audited = [d for d in deps if "skip_reason" not in d]
    fallback, unaudited = [], []
    for d in deps:
        if "skip_reason" not in d or d["name"] == "deliberation":  # this project, not a dependency
            continue
        d["version"] = d.get("version") or _installed(d["name"])
        ids = latest_vulns(d["name"], d["version"])
        if ids is None:
            unaudited.append(f"{d['name']} {d['version']}")
        else:
            fallback.append(d["name"])
            found += [f"{d['name']} {d['version']}: {i}" for i in ids]
    print(f"pip-audit: {len(deps)} installed packages; {len(audited)} audited by pip-audit, "
          f"{len(fallback)} via PyPI's latest-release data, {len(unaudited)} NOT AUDITED.")
    if unaudited:
        print("  not audited (no vulnerability data reachable for these versions): "
              + ", ".join(unaudited))
    for line in found:
        print("  VULNERABLE:", line)
    if found:
        return 1
    print("  no known vulnerabilities in what was audited.")
    return 1 if strict and unaudited else 0


if __name__ == "__main__":
    sys.exit(main("--strict" in sys.argv))
