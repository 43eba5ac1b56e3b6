"""The care pages: overview of an area (free beds per tier, alerts), facilities and their capacity, a case's
stays (admit, transfer, discharge), the bulk upload, and the scenario planner. Every page reads through the access
module; areas are named by dataset and GSO code, facilities, cases and admissions by their public ids."""
