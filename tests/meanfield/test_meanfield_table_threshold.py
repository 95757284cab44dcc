"""Table 1's fold threshold depends on the K0 of the type-I column, and every entry says which."""

from __future__ import annotations

import pytest

from superionic import meanfield
from superionic.meanfield.table import minimal_concerted_strength


@pytest.mark.parametrize(("type_i_k0", "threshold"), [(0.0, 1.0), (0.5, 2.0)])
def test_threshold_names_the_k0_it_was_computed_with(type_i_k0, threshold):
    # M0 = 0.25 eV (Fig. 4(b,c)): no fold, so the entries quote the threshold
    assert minimal_concerted_strength(0.25, type_i_k0, 1.0) == pytest.approx(threshold)
    rows = {r.category: r.type_I for r in meanfield.table1(0.25, 0.5, 0.25, 1.0,
                                                          type_i_K0=type_i_k0)}
    quoted = [t for t in rows.values() if "M0 >=" in t or "M0 n0 >=" in t]
    assert len(quoted) >= 3
    for text in quoted:
        assert f">= {threshold:.4g} eV at K0 = {type_i_k0:g} eV" in text, text


def test_cli_table_explains_the_difference_from_the_report():
    from pathlib import Path

    from click.testing import CliRunner

    from superionic.cli import main

    spec = Path(__file__).resolve().parents[2] / "examples" / "specs" / "chain_interacting.toml"
    result = CliRunner().invoke(main, ["transitions", "--spec", str(spec), "--table1"])
    assert result.exit_code == 0, result.output
    assert "needs M0 >= 2 eV at K0 = 0.5 eV" in result.output
    assert "the report's Table 1 uses K0 = 0" in result.output
