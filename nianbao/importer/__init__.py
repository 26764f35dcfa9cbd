"""`nianbao import`: a published report in whatever form it came -> a draft package and an import printout."""
