"""Throughput of the verification path relative to a bare Flask view, in the same app and server.

DESIGN.md's budget: anonymous verification >= 0.5x the bare view, the enterprise's full
verification (which records the scan and finds the open visit) >= 0.3x.

Usage:  python bench/verify_throughput.py [--seconds 10] [--workers 2] [--connections 16]
Needs wrk (Debian package "wrk") and gunicorn. Uses a throwaway SQLite database unless
DATABASE_URL is set (then that database is upgraded and receives demo rows).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PORT = 5187
BASE = f"http://127.0.0.1:{PORT}"


def prepare(env):
    """Create one agency, provider, enterprise and an approved code; return (url, enterprise token)."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from server import clock, create_app
    from server.domain import issuing, orgs
    from server.domain.catalog import upsert_category
    from server.domain.signing import sign_access
    from server.extensions import db
    from stdnum.cn import uscc

    def make_uscc(body):
        return body + uscc.calc_check_digit(body)

    app = create_app()
    with app.app_context():
        upgrade()
        upsert_category("安全生产咨询", "咨询", ["安全隐患排查", "安全培训"])
        admin = orgs.create_admin("bench-admin", "bench-password")
        agency = orgs.create_org(admin, "agency", make_uscc("11330481000000001"), "海宁市应急管理局", "0573-87011234")
        provider = orgs.create_org(admin, "provider", make_uscc("91330481000000002"), "浙江安远安全技术咨询有限公司")
        enterprise = orgs.create_org(admin, "enterprise", make_uscc("91330481000000003"), "海宁兴隆恒远皮革有限公司")
        agency_user = orgs.create_user(admin, "bench-agency", "bench-password", "agency", agency)
        provider_user = orgs.create_user(admin, "bench-provider", "bench-password", "provider", provider)
        enterprise_user = orgs.create_user(admin, "bench-enterprise", "bench-password", "enterprise", enterprise)
        staff = [orgs.add_staff(provider_user, "杨明超", "19556796249", "安全评价师"),
                 orgs.add_staff(provider_user, "罗芳", "13695112541", "工程师")]
        today = clock.today()
        commission = issuing.create_commission(agency_user, provider.uscc, "安全生产咨询", ["安全隐患排查", "安全培训"],
                                               today - timedelta(days=30), today + timedelta(days=300))
        code = issuing.apply_for_code(provider_user, commission.id, enterprise.uscc, ["安全隐患排查"], today,
                                      today + timedelta(days=30), [person.id for person in staff], "年度隐患排查")
        issuing.approve_code(agency_user, code.id)
        db.session.commit()
        url = issuing.code_url(code, app.config["SECRET_KEYS"], app.config["PUBLIC_BASE_URL"])
        token = sign_access(app.config["SECRET_KEYS"], enterprise_user.id, enterprise_user.credential_fingerprint)
    return url, token


def wrk(path, seconds, connections, body=None, token=None):
    """Requests per second that wrk measured against ``path``."""
    script = None
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        headers = 'wrk.headers["Content-Type"] = "application/json"\n'
        if token:
            headers += f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n{headers}')
        script.close()
        args += ["-s", script.name]
    output = subprocess.run(args + [BASE + path], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{path}: {non_2xx.group(1)} failed responses\n{output}")
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    return rate, p99


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-")
    env = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3",
        "SECRET_KEYS": "bench-key-old,bench-key-new",
        "PUBLIC_BASE_URL": BASE,
        "INSTANCE_PATH": workdir,
        "RATELIMIT_ENABLED": "0",
    }
    url, token = prepare(env)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(options.workers), "-b", f"127.0.0.1:{PORT}", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        results = {
            "bare view (/healthz)": wrk("/healthz", options.seconds, options.connections),
            "anonymous verification": wrk("/api/v1/verifications", options.seconds, options.connections,
                                          body={"token": url}),
            "enterprise verification": wrk("/api/v1/verifications", options.seconds, options.connections,
                                           body={"token": url}, token=token),
        }
    finally:
        server.terminate()
        server.wait()
    bare = results["bare view (/healthz)"][0]
    targets = {"anonymous verification": 0.5, "enterprise verification": 0.3}
    print(f"database: {env['DATABASE_URL'].split(':')[0]}, gunicorn workers: {options.workers}, "
          f"wrk: 2 threads, {options.connections} connections, {options.seconds} s each")
    failed = False
    for name, (rate, p99) in results.items():
        ratio = rate / bare
        target = targets.get(name)
        verdict = "" if target is None else (" ok" if ratio >= target else f" BELOW TARGET {target}x")
        failed |= target is not None and ratio < target
        print(f"{name:26s} {rate:9.1f} req/s  p99 {p99:>8s}  {ratio:5.2f}x{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
