"""A relying party written with Authlib (Debian's python3-authlib), from discovery alone.

Usage: authlib_rp.py BASE CLIENT_ID CLIENT_SECRET USERNAME PASSWORD CALLBACK
Runs the code flow with PKCE and nonce through Gatehouse's sign-in and consent pages (a requests
session keeps the cookies, as a browser without JavaScript would), validates the ID token with
Authlib's OpenID Connect claims rules, then userinfo, refresh, introspection, revocation and
client_credentials. Prints what it saw as JSON; exits 1 with the reason on stderr if a step fails.
"""
import html
import json
import os
import re
import sys
from urllib.parse import urljoin

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test server speaks http on 127.0.0.1


def hidden_fields(page, action):
    form = page[page.index('action="%s"' % action):]
    form = form[: form.index("</form>")]
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


def main():
    base, client_id, secret, username, password, callback = sys.argv[1:7]
    meta = requests.get(base + "/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == base, meta["issuer"]
    client = OAuth2Session(
        client_id,
        secret,
        scope="openid profile email offline_access",
        redirect_uri=callback,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

    browser = requests.Session()
    origin = {"Origin": base}
    r = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(20):
        location = r.headers.get("location")
        if location:
            target = urljoin(base, location)
            if target.startswith(callback):
                break
            r = browser.get(target, allow_redirects=False, timeout=10)
            continue
        page = r.text
        if 'action="/account/login"' in page:
            fields = hidden_fields(page, "/account/login")
            fields.update(username=username, password=password)
            r = browser.post(base + "/account/login", data=fields, headers=origin, allow_redirects=False, timeout=10)
        elif 'action="/authorize/consent"' in page:
            fields = hidden_fields(page, "/authorize/consent")
            fields["decision"] = "allow"
            r = browser.post(base + "/authorize/consent", data=fields, headers=origin, allow_redirects=False, timeout=10)
        else:
            raise SystemExit("unexpected page %s: %s" % (r.status_code, page[:300]))
    else:
        raise SystemExit("too many hops")

    token = client.fetch_token(meta["token_endpoint"], authorization_response=target, code_verifier=verifier, state=state)
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": base}},
        claims_params={"nonce": nonce, "client_id": client_id},
    )
    claims.validate()
    userinfo = client.get(meta["userinfo_endpoint"], timeout=10).json()
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    seen = client.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"]).json()
    client.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"])
    after = client.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"]).json()

    service = OAuth2Session(client_id, secret, scope="reports:read", token_endpoint_auth_method="client_secret_post")
    cc = service.fetch_token(meta["token_endpoint"], grant_type="client_credentials")

    print(json.dumps({
        "iss_in_callback": "iss=" in target,
        "id_token": {k: claims.get(k) for k in ("iss", "sub", "aud", "nonce", "preferred_username", "email", "auth_time", "sid")},
        "id_token_alg": claims.header.get("alg"),
        "userinfo": userinfo,
        "refreshed": refreshed.get("refresh_token") != token.get("refresh_token"),
        "introspected": {k: seen.get(k) for k in ("active", "sub", "client_id")},
        "after_revocation": after,
        "client_credentials": {"scope": cc.get("scope"), "has_refresh": "refresh_token" in cc},
    }))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as err:  # the reason, for the test's message
        print("%s: %s" % (type(err).__name__, err), file=sys.stderr)
        sys.exit(1)
