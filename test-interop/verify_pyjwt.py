"""An independent verifier: PyJWT checks a Gatehouse access token from the published metadata and
JWKS alone (RFC 8414, RFC 7517), pinning the algorithm, issuer, audience and typ (RFC 9068).
Usage: verify_pyjwt.py ISSUER AUDIENCE ALG TOKEN. Prints the subject; exits 1 on any failure."""
import json
import sys
import urllib.request

import jwt

issuer, audience, alg, token = sys.argv[1:5]
with urllib.request.urlopen(f"{issuer.rstrip('/')}/.well-known/oauth-authorization-server") as r:
    metadata = json.load(r)
assert metadata["issuer"] == issuer, "metadata names another issuer"
header = jwt.get_unverified_header(token)
if header.get("typ") != "at+jwt":
    sys.exit(f"typ is {header.get('typ')!r}, not at+jwt")
try:
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token).key
    claims = jwt.decode(token, key, algorithms=[alg], audience=audience, issuer=issuer, options={"require": ["exp", "iat", "sub", "jti"]})
except jwt.PyJWTError as err:
    sys.exit(f"rejected: {err}")
print(claims["sub"])
