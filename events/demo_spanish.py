"""The demo society's events in Spanish, its second language: each event's texts, the
congress's questions (their choices line up with the English ones) and its ticket types,
written as a Spanish-speaking society would write them."""

SPANISH = "es"

EVENTS = {
    "annual-congress": {
        "title_second": "Congreso anual de la Sociedad",
        "summary_second": "Tres días de ponencias, mesas redondas y la asamblea general, en Berlín.",
        "description_second": (
            "El congreso anual de la sociedad.\n\n## Programa\n\n- **Día 1**: conferencia inaugural y ponencias\n"
            "- **Día 2**: mesas redondas y sesión de pósteres\n- **Día 3**: la asamblea general\n\n"
            "Se sirve el almuerzo todos los días. Los acompañantes son bienvenidos."
        ),
    },
    "members-forum-budget": {
        "title_second": "Foro de socios: el presupuesto del próximo año",
        "summary_second": (
            "El tesorero presenta el presupuesto del próximo año; los socios lo debaten antes de votarlo."
        ),
        "description_second": (
            "Solo pueden asistir los socios al corriente de pago. Le rogamos que lea el proyecto de presupuesto "
            "con antelación."
        ),
    },
    "public-lecture-rivers": {
        "title_second": "Conferencia pública: los ríos ante el calentamiento global",
        "summary_second": "Una conferencia por la tarde, en línea y abierta a todo el público.",
        "description_second": (
            "La Dra. Rhea Fluss explica cómo cambian los ríos a medida que se calienta el clima. "
            "Al final habrá turno de preguntas."
        ),
    },
    "spring-symposium": {
        "title_second": "Simposio de primavera sobre derecho de aguas",
        "summary_second": "Una jornada de ponencias sobre derecho de aguas, ya celebrada.",
    },
}

QUESTIONS = {
    "Dietary needs": {
        "text_second": "Necesidades alimentarias",
        "help_text_second": "Se sirve el almuerzo todos los días. Si elige «Otra», indíquenoslo a su llegada.",
        # In the order of events.demo.DIETS
        "choices_second": ["Ninguna en especial", "Vegetariana", "Vegana", "Sin gluten", "Otra"],
    },
    "Affiliation": {
        "text_second": "Institución",
        "help_text_second": "Para su acreditación (opcional).",
    },
}

TICKET_TYPES = {
    "Member": "Socio",
    "Non-member": "No socio",
    "Student": "Estudiante",
    "Speaker": "Ponente",
}


def event_texts(slug: str) -> dict:
    """The event's second language and its texts in it, for `organising.create_event`'s details."""
    texts = EVENTS.get(slug)
    return {"second_language": SPANISH, **texts} if texts else {}
