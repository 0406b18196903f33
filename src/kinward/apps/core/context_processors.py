from kinward.apps.core.navigation import entries_for


def navigation(request):
    actor = getattr(request, "actor", None)
    return {"navigation": entries_for(actor) if actor is not None else []}
