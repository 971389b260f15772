"""Views of the events app: public pages, the RSVP link, organisers' pages, the door."""
