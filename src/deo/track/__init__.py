"""The e-commerce strategy and reform tracker: strategies, policy areas, measures,
agencies, status updates with validation, indicator targets, and an audit trail.

Modules: :mod:`.schema` (tables), :mod:`.config` (statuses, default policy areas),
:mod:`.access` (roles and what each may do), :mod:`.auth` (passwords, sessions, CSRF,
throttling), :mod:`.audit`, :mod:`.plan` (strategies and measures), :mod:`.updates`
(report, validate, return, comment), :mod:`.progress` (implementation rates, a pure
kernel), :mod:`.dashboard` (rates and lists read from the store), :mod:`.importer`,
:mod:`.sheets` (reading plan files), :mod:`.export`, :mod:`.digest` and :mod:`.demo`.
"""
