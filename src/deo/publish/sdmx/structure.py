"""SDMX 2.1 structure messages for the published dataflows, built with sdmx1's model.

Artefacts, all maintained by agency ``DEO`` at version :data:`~.flows.VERSION`:

- a dataflow and a data structure (same id) per topic (:mod:`.flows`);
- code lists: ``CL_INDICATOR_<FLOW>`` (the flow's indicators), ``CL_AREA`` (economies,
  regions, groups and aggregates; also the PARTNER dimension's), one per breakdown code
  list (``CL_SEX``, ``CL_SIZE_CLASS``...) and ``CL_OBS_STATUS``;
- the concept scheme ``CS_DEO``.

Names are given in every language the catalogue has them in (en, fr, es, zh).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from deo.catalogue import Catalogue
from deo.core.breakdown import DIMENSIONS
from deo.core.indicator import sdmx_id
from deo.publish.sdmx.flows import VERSION, Dataflow
from deo.sources.formats.sdmx_common import (
    AGENCY,
    ATTRIBUTES,
    INDICATOR,
    OBS_STATUS,
    OBS_VALUE,
    REF_AREA,
    TIME_PERIOD,
)

CONCEPT_SCHEME = "CS_DEO"
AREA_CODELIST = "CL_AREA"

#: Names of the concepts that are not breakdowns (those take their code list's name).
CONCEPT_NAMES: dict[str, dict[str, str]] = {
    INDICATOR: {"en": "Indicator", "fr": "Indicateur", "es": "Indicador", "zh": "指标"},
    REF_AREA: {"en": "Reference area", "fr": "Zone de référence", "es": "Zona de referencia",
               "zh": "参考地区"},
    TIME_PERIOD: {"en": "Time period", "fr": "Période", "es": "Período", "zh": "时期"},
    OBS_VALUE: {"en": "Observation value", "fr": "Valeur de l'observation",
                "es": "Valor de la observación", "zh": "观测值"},
    OBS_STATUS: {"en": "Observation status", "fr": "Statut de l'observation",
                 "es": "Estado de la observación", "zh": "观测值状态"},
    "STD_ERR": {"en": "Standard error", "fr": "Erreur type", "es": "Error estándar",
                "zh": "标准误"},
    "CONF_INT_LOWER": {"en": "Lower bound of the 95% confidence interval",
                       "fr": "Borne inférieure de l'intervalle de confiance à 95 %",
                       "es": "Límite inferior del intervalo de confianza del 95 %",
                       "zh": "95%置信区间下限"},
    "CONF_INT_UPPER": {"en": "Upper bound of the 95% confidence interval",
                       "fr": "Borne supérieure de l'intervalle de confiance à 95 %",
                       "es": "Límite superior del intervalo de confianza del 95 %",
                       "zh": "95%置信区间上限"},
}


def indicator_codelist_id(flow: Dataflow) -> str:
    return f"CL_INDICATOR_{flow.id}"


def codelist_id(dimension: str) -> str:
    """The code list of a dimension: ``SEX`` -> ``CL_SEX``; areas share ``CL_AREA``."""
    if dimension in (REF_AREA, "PARTNER"):
        return AREA_CODELIST
    return f"CL_{DIMENSIONS.get(dimension, dimension)}"


def codelist_ids(flow: Dataflow) -> list[str]:
    """The code lists a flow's structure uses, in key order, each once."""
    ids = [indicator_codelist_id(flow), *(codelist_id(d) for d in flow.key_dimensions[1:]),
           f"CL_{OBS_STATUS}"]
    return list(dict.fromkeys(ids))


class StructureBuilder:
    """Builds sdmx1 artefacts for a catalogue, each once (a DSD refers to the same
    code list objects as the message that carries them)."""

    def __init__(self, catalogue: Catalogue):
        from sdmx.model import common

        self.catalogue = catalogue
        self.agency = common.Agency(id=AGENCY, name={"en": "Digital Economy Observatory"})
        self._codelists: dict[str, object] = {}
        self._dsds: dict[str, object] = {}
        self._flows: dict[str, object] = {}
        self.concepts = common.ConceptScheme(
            id=CONCEPT_SCHEME, version=VERSION, maintainer=self.agency, is_final=True,
            is_external_reference=False,
            name={"en": "Concepts of the Digital Economy Observatory"},
        )
        for concept_id, names in CONCEPT_NAMES.items():
            self.concepts.setdefault(id=concept_id, name=names)
        for dimension, list_id in DIMENSIONS.items():
            names = (self.catalogue.codelists[list_id].name if list_id in catalogue.codelists
                     else {"en": dimension.title()})
            self.concepts.setdefault(id=dimension, name=names)

    # -- code lists ----------------------------------------------------------------
    def codelist(self, list_id: str, flows: dict[str, Dataflow]):
        """A code list by id, or ``None`` where no such list is published."""
        if list_id not in self._codelists:
            items = self._codelist_items(list_id, flows)
            if items is None:
                return None
            name, codes = items
            self._codelists[list_id] = self._new_codelist(list_id, name, codes)
        return self._codelists[list_id]

    def _codelist_items(self, list_id: str, flows: dict[str, Dataflow]):
        catalogue = self.catalogue
        if list_id == AREA_CODELIST:
            return (CONCEPT_NAMES[REF_AREA],
                    [(a.code, a.name) for a in catalogue.areas.values()])
        for flow in flows.values():
            if list_id == indicator_codelist_id(flow):
                names = {lang: f"{CONCEPT_NAMES[INDICATOR].get(lang, 'Indicator')}: {text}"
                         for lang, text in flow.name.items()}
                return names, [(sdmx_id(c), catalogue.indicator(c).name)
                               for c in flow.indicators]
        own = list_id.removeprefix("CL_")
        if list_id.startswith("CL_") and own in catalogue.codelists:
            codelist = catalogue.codelists[own]
            return codelist.name, [(c.id, c.name) for c in codelist.codes.values()]
        return None

    def _new_codelist(self, list_id: str, name: dict[str, str], codes):
        from sdmx.model import common

        codelist = common.Codelist(
            id=list_id, version=VERSION, maintainer=self.agency, is_final=True,
            is_external_reference=False, name=name,
        )
        for code_id, names in codes:
            codelist.append(common.Code(id=code_id, name=names))
        return codelist

    # -- data structures and dataflows -----------------------------------------------
    def datastructure(self, flow: Dataflow, flows: dict[str, Dataflow]):
        from sdmx.model import common, v21

        if flow.id in self._dsds:
            return self._dsds[flow.id]
        dsd = v21.DataStructureDefinition(
            id=flow.id, version=VERSION, maintainer=self.agency, is_final=True,
            is_external_reference=False, name=flow.name,
        )
        dsd.dimensions.id = "DimensionDescriptor"
        dsd.measures.id = "MeasureDescriptor"
        dsd.attributes.id = "AttributeDescriptor"
        lists = [indicator_codelist_id(flow), *(codelist_id(d) for d in flow.key_dimensions[1:])]
        for order, (dim_id, list_id) in enumerate(zip(flow.key_dimensions, lists, strict=True),
                                                  start=1):
            dsd.dimensions.getdefault(
                id=dim_id, order=order, concept_identity=self.concepts.get(dim_id),
                local_representation=common.Representation(
                    enumerated=self.codelist(list_id, flows)),
            )
        dsd.dimensions.getdefault(
            id=TIME_PERIOD, cls=v21.TimeDimension, order=len(flow.key_dimensions) + 1,
            concept_identity=self.concepts.get(TIME_PERIOD),
        )
        dsd.measures.getdefault(id=OBS_VALUE, concept_identity=self.concepts.get(OBS_VALUE))
        for attr_id in ATTRIBUTES.values():
            enumerated = (self.codelist(f"CL_{OBS_STATUS}", flows) if attr_id == OBS_STATUS
                          else None)
            dsd.attributes.getdefault(
                id=attr_id, concept_identity=self.concepts.get(attr_id),
                related_to=v21.PrimaryMeasureRelationship(),
                usage_status=common.UsageStatus.conditional,
                local_representation=(common.Representation(enumerated=enumerated)
                                      if enumerated is not None else None),
            )
        self._dsds[flow.id] = dsd
        return dsd

    def dataflow(self, flow: Dataflow, flows: dict[str, Dataflow]):
        from sdmx.model import v21

        if flow.id not in self._flows:
            self._flows[flow.id] = v21.DataflowDefinition(
                id=flow.id, version=VERSION, maintainer=self.agency, is_final=True,
                is_external_reference=False, name=flow.name,
                structure=self.datastructure(flow, flows),
            )
        return self._flows[flow.id]


def structure_message(artefacts: Iterable, prepared: datetime | None = None):
    """An sdmx1 ``StructureMessage`` holding ``artefacts`` (each added once)."""
    from sdmx.message import Header, StructureMessage
    from sdmx.model import common

    prepared = prepared or datetime.now(UTC).replace(microsecond=0)
    message = StructureMessage(header=Header(
        id=f"DEO_STRUCTURE_{prepared:%Y%m%dT%H%M%S}", prepared=prepared, test=False,
        sender=common.Agency(id=AGENCY),
    ))
    seen: set[int] = set()
    for artefact in artefacts:
        if id(artefact) not in seen:
            seen.add(id(artefact))
            message.add(artefact)
    return message


def to_xml(message) -> bytes:
    """SDMX-ML 2.1 text of a structure message.

    sdmx1 (2.28) writes ``isExternalReference``/``isFinal`` as ``"none"`` when unset; every
    artefact here sets both, so the output keeps to the schema's booleans.
    """
    import sdmx

    return sdmx.to_xml(message, pretty_print=True)
