"""The browser view (Mesa SolaraViz): sim.view.page, served by sim.view.serve."""
