"""Snakemake adapter: the regime map of a population dataset against the DIC prediction (table and
figure)."""

import sys

from neurorecon.dynamics.dic_map import dic_regime_table_of
from neurorecon.figures.style import save
from neurorecon.figures.truth import dic_regime_figure
from neurorecon.io.stores import read_dataset, write_table

sys.stderr = open(snakemake.log[0], "w", buffering=1)
regimes = read_dataset(snakemake.input[0], kind="regimes")
table = dic_regime_table_of(regimes)
print(table.to_string(index=False), file=sys.stderr)
write_table(table, snakemake.output.table)
save(dic_regime_figure(table, regimes), snakemake.output.figure)
