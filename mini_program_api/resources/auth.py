"""POST /api/v1/auth/token — sign in."""
from flask_smorest import Blueprint

from server.domain.orgs import authenticate
from server.extensions import limiter

from ..auth import issue_access_token
from ..schemas import TokenArgsSchema, TokenSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Sign-in")


@blp.route("/token", methods=["POST"])
@limiter.limit("10 per minute")
@blp.arguments(TokenArgsSchema)
@blp.response(200, TokenSchema)
def create_token(args):
    """Exchange username and password for a Bearer access token (10 tries a minute per address)."""
    user = authenticate(args["username"], args["password"])
    token, lifetime = issue_access_token(user)
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
            "role": user.role, "org_id": user.org_id}
