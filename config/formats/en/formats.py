# The society writes dates in English day first, as its letters always have: 15 June 2026.
# Other languages use Django's formats for them (Spanish: 15 de junio de 2026).
DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
# A moment: 15 June 2026 14:30 (Spanish: 15 de junio de 2026 a las 14:30).
DATETIME_FORMAT = "j F Y H:i"
