"""Each community's labour-demand signal per SOC major group (PUT by nodes, read by all)."""
