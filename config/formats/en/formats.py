# The society writes dates in English day first, as its letters always have: 15 June 2026.
# Other languages use Django's formats for them (Spanish: 15 de junio de 2026).
DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
