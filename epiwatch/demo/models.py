"""What the synthetic generator has already made: one row per (seed, scale, province, step)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GeneratorRunQuerySet(models.QuerySet):
    def of(self, seed: int, scale, province) -> "GeneratorRunQuerySet":
        """The steps applied for a seed and scale in a province (an Area)."""
        return self.filter(seed=seed, scale=scale, dataset=province.dataset, province=province.code)


class GeneratorRun(models.Model):
    """A generator step that has been applied. Re-running the same seed and scale skips the steps listed here,
    so the generator never makes the same people twice."""

    seed = models.BigIntegerField(_("seed"))
    scale = models.DecimalField(_("scale"), max_digits=8, decimal_places=6)
    dataset = models.CharField(_("area dataset"), max_length=16, default="vn-2021")
    province = models.CharField(_("province code"), max_length=16)
    step = models.CharField(_("step"), max_length=40)
    count = models.PositiveIntegerField(_("rows created"), default=0)
    seconds = models.FloatField(_("seconds taken"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = GeneratorRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("generator run")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seed", "scale", "dataset", "province", "step"], name="generator_run_step_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} seed={self.seed} scale={self.scale} province={self.province}"
