import pytest

from tests.events.helpers import make_member, make_organiser
from tests.factories import EventFactory


@pytest.fixture
def organiser(db):
    return make_organiser()


@pytest.fixture
def member(db):
    return make_member()


@pytest.fixture
def lapsed_member(db):
    return make_member(lapsed=True)


@pytest.fixture
def event(organiser):
    return EventFactory(organisers=[organiser])
