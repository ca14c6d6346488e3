"""POST /api/v1/auth/token — sign in."""
from flask_smorest import Blueprint

from server.domain.orgs import authenticate
from server.sign_in_limits import limit_sign_in

from ..auth import issue_access_token
from ..schemas import TokenArgsSchema, TokenSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Sign-in")


@blp.route("/token", methods=["POST"])
@limit_sign_in
@blp.arguments(TokenArgsSchema)
@blp.response(200, TokenSchema)
def create_token(args):
    """Exchange username and password for a Bearer access token. Failed tries are limited: 30 a
    minute per client address, 10 a minute per account."""
    user = authenticate(args["username"], args["password"])
    token, lifetime = issue_access_token(user)
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
            "role": user.role, "org_id": user.org_id}
