"""Break spc on purpose and check the test suite notices: each break is applied to a scratch copy
of the working tree, the whole suite (slow tier apart) runs against it, and the tests that fail
are printed. A break that fails no test is a hole in the suite.

    .venv/bin/python benchmarks/breaks.py                 # every break
    .venv/bin/python benchmarks/breaks.py quality strength  # some of them
    SPC_BREAKS_MAXFAIL=5 .venv/bin/python benchmarks/breaks.py  # stop each run at 5 failures (faster)

The breaks are the ones users would feel and a suite once let pass: the resume check that
compares the input's SHA-256 removed, --strength ignored, --quality fixed at 95, --precision
forced to fp32 (in the artist only, so the sidecar still claims the precision asked for, or in
the engine), a vlm answer that cannot be read taken as a good photo, exifread failing silently.
Runs niced; about 3 minutes per break on 2 cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (file, the code as it is, the code broken)
BREAKS: dict[str, tuple[str, str, str]] = {
    "sha": ("src/spc_cli/engine/jobs.py",
            '''            and (doc.get("output") or {}).get("bytes") == job.output.stat().st_size
            and doc.get("input", {}).get("sha256") == input_sha())''',
            '''            and (doc.get("output") or {}).get("bytes") == job.output.stat().st_size)'''),
    "strength": ("src/spc_cli/engine/planning.py",
                 "    plan = plan.scaled(strength)\n",
                 "    plan = plan.scaled(1.0)\n"),
    "quality": ("src/spc_cli/engine/record.py",
                "write_photo(rendered.photo, job.output, job.fmt, job.bit_depth, quality=quality)",
                "write_photo(rendered.photo, job.output, job.fmt, job.bit_depth, quality=95)"),
    "precision-artist": ("src/spc_cli/engine/settings.py",
                         '{"device": device, "precision": settings.precision, "batch_size": batch_size}',
                         '{"device": device, "precision": "fp32", "batch_size": batch_size}'),
    "precision-engine": ("src/spc_cli/engine/runner.py",
                         "self.dtype = resolve_dtype(settings.precision, self.device)",
                         'self.dtype = resolve_dtype("fp32", self.device)'),
    "vlm-garbage": ("src/spc_cli/critic/vlm.py",
                    "    if parsed.score is None and not parsed.suggestions and not parsed.said_none:\n",
                    "    if False:  # an unreadable answer passes as a photo with nothing to fix\n"),
    "exifread-silent": ("src/spc_cli/io/metadata.py",
                        '        raise TagsError(f"exifread could not read the EXIF tags ({why})") from exc\n',
                        "        return {}, {}\n"),
}


def scratch_copy() -> Path:
    """Tracked and untracked-but-not-ignored files of the working tree, as they are on disk."""
    work = Path(tempfile.mkdtemp(prefix="spc-breaks-"))
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            dst = work / name.decode()
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return work


def run_suite(work: Path) -> tuple[int, list[str], str]:
    env = {**os.environ, "PYTHONPATH": str(work / "src")}  # the broken copy, not the installed tree
    check = subprocess.run([sys.executable, "-c", "import spc_cli; print(spc_cli.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert check.startswith(str(work)), f"the suite would import {check}, not the scratch copy"
    maxfail = os.environ.get("SPC_BREAKS_MAXFAIL")
    r = subprocess.run(["nice", "-n", "10", sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider",
                        *([f"--maxfail={maxfail}"] if maxfail else [])], cwd=work, env=env, capture_output=True,
                       text=True)
    failed = sorted(set(re.findall(r"^FAILED (\S+)", r.stdout, re.M)))
    tail = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-300:]
    return r.returncode, failed, tail


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BREAKS]
    if unknown:
        print(f"unknown break(s): {', '.join(unknown)}; choose from {', '.join(BREAKS)}")
        return 2
    holes = 0
    for name in names or list(BREAKS):
        rel, good, bad = BREAKS[name]
        work = scratch_copy()
        try:
            path = work / rel
            text = path.read_text()
            if text.count(good) != 1:
                print(f"{name}: the code to break is not in {rel} as expected; update BREAKS")
                holes += 1
                continue
            path.write_text(text.replace(good, bad))
            t0 = time.time()
            code, failed, tail = run_suite(work)
            print(f"\n== {name} ({rel}): pytest exit {code}, {len(failed)} failing, {time.time() - t0:.0f} s; {tail}")
            for test in failed:
                print(f"   {test}")
            if not failed:
                print("   NO TEST FAILED: the suite does not notice this break")
                holes += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
