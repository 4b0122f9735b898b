"""Composite indices: recipe -> impute -> normalise -> weight -> aggregate -> rank ->
uncertainty, one module per step; results go back to the store as observations."""
