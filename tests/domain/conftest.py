import pytest

from tests.factories import release_database_connections


@pytest.fixture(autouse=True)
def _release_database_connections(request):
    """See factories.release_database_connections: keeps a PostgreSQL run within its connections."""
    yield from release_database_connections(request)
