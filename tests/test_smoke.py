def test_smoke(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code, visit_id = world.completed_visit(agency, provider, enterprise)
    r = world.rate(enterprise, visit_id, 5)
    assert r.status_code == 201, r.get_json()
