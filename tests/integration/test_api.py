"""Pin the public API: changing it is a decision, not an accident."""

import mcgen


def test_public_api():
    assert sorted(mcgen.__all__) == sorted(
        [
            "__version__", "Card", "CardError", "CrossSections", "Couplings", "Electroweak", "Events", "InputError",
            "MissingExtraError", "Model", "ModelError", "OutputError", "PhysicsOptions", "generate", "load_card",
            "make_model", "model_info", "production_cross_sections",
            "provenance", "reweight", "width_z_to_n_nubar", "widths", "read", "iterate", "write_events",
        ]
    )
    for name in mcgen.__all__:
        assert hasattr(mcgen, name)
