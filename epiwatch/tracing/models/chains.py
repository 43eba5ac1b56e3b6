"""Chains of transmission: the connected components of the exposure graph, kept in the database.

Every person in an exposure is a `ChainNode` pointing at one `Chain`. A new exposure between two chains merges them
by size: the smaller chain's nodes are relabelled in one UPDATE and the chain row is kept, empty, pointing at the
chain it went into (old links still lead somewhere). Nothing here reads all exposures; see `tracing.chains`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from epiwatch.people.models import Person


class Chain(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(merged_into=None) | Q(size=0), name="chain_merged_is_empty"),
        ]

    def __str__(self) -> str:
        return f"chain {self.public_id} ({self.size})"

    def current(self) -> Chain:
        """The chain this one ended up in after merges (itself when never merged): a few queries at most."""
        chain = self
        while chain.merged_into_id is not None:
            chain = Chain.objects.get(pk=chain.merged_into_id)
        return chain


class ChainNode(models.Model):
    """A person in the exposure graph: which chain, which generation, since when, and whether a case."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="chain_node")
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="nodes")
    # steps from the chain's roots along exposures (cycle-closing exposures ignored): see tracing.chains
    generation = models.PositiveIntegerField(default=0)
    is_case = models.BooleanField(default=False)
    # the date the node is drawn at: the case's onset (else sample, else report) date, else the first exposure
    day = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # the graph view's page: one chain's nodes by generation and date; also the relabel UPDATE
            models.Index(fields=["chain", "generation", "day", "person"], name="chain_node_page_idx"),
        ]

    def __str__(self) -> str:
        return f"node {self.person_id} in {self.chain_id} (g{self.generation})"
