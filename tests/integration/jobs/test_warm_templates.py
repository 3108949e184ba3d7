"""The live fragments' templates are compiled ahead of the first job (a cold web process otherwise
held the first job's token text back for most of a second while Jinja compiled them)."""
import threading

from webapp.web import live_fragments


def test_every_live_template_is_warmed(app):
    app.jinja_env.cache.clear()
    live_fragments.warm_templates(app)
    cached = {key[1] for key in app.jinja_env.cache.keys()}
    assert set(live_fragments.LIVE_TEMPLATES) <= cached


def test_a_serving_app_warms_them_at_its_first_request(app_factory):
    serving = app_factory(TESTING=False)
    serving.jinja_env.cache.clear()
    serving.test_client().get("/healthz")
    for thread in threading.enumerate():
        if thread.name == "herald-warm-templates":
            thread.join(timeout=10)
    assert {key[1] for key in serving.jinja_env.cache.keys()} >= set(live_fragments.LIVE_TEMPLATES)
