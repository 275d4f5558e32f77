"""Provenance (``GET /workflow/{id}/provenance``, wire reference 4.5): citation, license, URI and data ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Union

from .errors import MalformedResponseError


@dataclass(frozen=True)
class InternalDataId:
    dataset_id: str
    type: str = field(default="internal", init=False)

    def to_dict(self) -> dict:
        return {"type": "internal", "datasetId": self.dataset_id}

    def __str__(self) -> str:
        return self.dataset_id


@dataclass(frozen=True)
class ExternalDataId:
    provider_id: str
    layer_id: str
    type: str = field(default="external", init=False)

    def to_dict(self) -> dict:
        return {"type": "external", "providerId": self.provider_id, "layerId": self.layer_id}

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.layer_id}"


DataId = Union[InternalDataId, ExternalDataId]


def data_id_from_response(response: dict) -> DataId:
    kind = response.get("type")
    if kind == "internal":
        return InternalDataId(response["datasetId"])
    if kind == "external":
        return ExternalDataId(response["providerId"], response["layerId"])
    raise MalformedResponseError(f"unknown data id type {kind!r}")


@dataclass(frozen=True)
class Provenance:
    citation: str
    license: str
    uri: str

    @classmethod
    def from_response(cls, response: dict) -> Provenance:
        return cls(response.get("citation", ""), response.get("license", ""), response.get("uri", ""))

    def to_dict(self) -> dict:
        return {"citation": self.citation, "license": self.license, "uri": self.uri}


@dataclass(frozen=True)
class ProvenanceEntry:
    """One provenance shared by the listed data ids."""

    data: List[DataId]
    provenance: Provenance

    @classmethod
    def from_response(cls, response: dict) -> ProvenanceEntry:
        try:
            data = response["data"]
            return cls([data_id_from_response(d) for d in (data if isinstance(data, list) else [data])],
                       Provenance.from_response(response["provenance"]))
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedResponseError(f"not a provenance entry: {response!r}") from exc

    def to_dict(self) -> dict:
        return {"provenance": self.provenance.to_dict(), "data": [d.to_dict() for d in self.data]}

    @property
    def citation(self) -> str:
        return self.provenance.citation

    @property
    def license(self) -> str:
        return self.provenance.license

    @property
    def uri(self) -> str:
        return self.provenance.uri


def provenance_from_response(response: Optional[list]) -> List[ProvenanceEntry]:
    if not isinstance(response, list):
        raise MalformedResponseError("provenance is a JSON list")
    return [ProvenanceEntry.from_response(item) for item in response]
