"""``python -m core credentials FILE... [--json]``: what a file's Content Credentials say, and whether the file
was changed after it was signed (:mod:`core.credentials`, docs/credentials.md). ``--key``: where this computer's
signing key is (made now if there is none yet)."""

from __future__ import annotations

import argparse
import json
import sys

from core.text import printable

EPILOG = """\
exit codes: 0 every FILE carries valid credentials; 1 one has none, is invalid or was changed
after signing; 2 bad arguments or a file that cannot be read.

"valid" means the signature and every hash check out. "untrusted" means no public
authority vouches for the signer: the key made on first use on this computer, or an
institution's own certificate that is not on the C2PA trust list.
"""


def add_options(ap: argparse.ArgumentParser) -> None:
    """``--no-credentials``, ``--sign-cert``, ``--sign-key`` of the commands that write results."""
    g = ap.add_argument_group("Content Credentials (C2PA; docs/credentials.md)")
    g.add_argument("--no-credentials", action="store_true",
                   help="write results without signed Content Credentials (the XMP note stays)")
    g.add_argument("--sign-cert", metavar="CHAIN.pem",
                   help="sign with this certificate chain (PEM: the signing certificate first) instead of the key "
                        "made on first use in the config folder; or STUDIO_SIGN_CERT")
    g.add_argument("--sign-key", metavar="KEY.pem", help="... and its private key (PEM); or STUDIO_SIGN_KEY")


def signing(args):
    """(Signing, None) or (None, error message) from :func:`add_options`' options; the key is loaded (made on
    first use) and checked once here, so a bad certificate stops the command before any work."""
    from core.credentials import CredentialsError, Signing, check

    s = Signing.from_options(args.no_credentials, args.sign_cert, args.sign_key)
    try:
        check(s)
    except CredentialsError as e:
        return None, f"Content Credentials: {e}"
    return s, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m core credentials", epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="Show what files' Content Credentials (C2PA) say and check them.")
    ap.add_argument("files", nargs="*", metavar="FILE", help="images or clips to check")
    ap.add_argument("--json", action="store_true", help="print the reports as JSON (one object per file)")
    ap.add_argument("--key", action="store_true", help="show this computer's signing key (made on first use)")
    ap.add_argument("--trust", metavar="ANCHORS.pem",
                    help="trust these CA certificates (PEM): an institution's root, or ca.pem of this computer's key "
                         "folder; files they vouch for are 'trusted'")
    args = ap.parse_args(argv)
    from core import credentials

    if args.key:
        try:
            chain, key = credentials.own_key()
            print(f"{credentials.Signing().describe()}\ncertificate chain: {chain}\nprivate key: {key}\n"
                  f"its CA (a trust anchor for checkers): {chain.parent / 'ca.pem'}")
        except credentials.CredentialsError as e:
            print(f"error: {printable(e)}", file=sys.stderr)
            return 2
        if not args.files:
            return 0
    if not args.files:
        ap.print_usage(sys.stderr)
        print("error: give a FILE (or --key)", file=sys.stderr)
        return 2
    trust = None
    if args.trust:
        from core.images import ImageError, read_file_bytes

        try:
            trust = read_file_bytes(args.trust, 1 << 20)
        except ImageError as e:
            print(f"error: --trust: {printable(e)}", file=sys.stderr)
            return 2
    code = 0
    reports = {}
    for f in args.files:
        report = credentials.read(f, trust)
        reports[f] = report
        if report.get("credentials") is None:
            code = 2
        elif not report.get("valid") or report.get("changed"):
            code = max(code, 1)
        if not args.json:
            print(printable(f))
            print("\n".join(printable(line) for line in credentials.describe(report)))
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else reports[args.files[0]], indent=1, ensure_ascii=False))
    return code
