using System.Diagnostics.CodeAnalysis;

// Test names read Method_Scenario_Expected (project convention).
[assembly: SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Test naming convention", Scope = "namespaceanddescendants", Target = "~N:Mesh.Tests.Routing")]
[assembly: SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Test naming convention", Scope = "namespaceanddescendants", Target = "~N:Mesh.Tests.Istio")]
