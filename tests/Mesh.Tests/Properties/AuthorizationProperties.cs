using FsCheck.Xunit;
using Mesh.Contracts.Istio.Security;
using Mesh.Security;
using Mesh.Security.Authorization;

namespace Mesh.Tests.Properties;

/// <summary>
/// <see cref="AuthorizationEvaluator"/> decides as Istio documents (<see cref="IstioAuthorizationReference"/>), and
/// AUDIT policies are reported but never change a decision. To replay a failure, copy the "(seed, gamma)" FsCheck
/// prints into <c>[Property(Replay = "seed,gamma")]</c>.
/// </summary>
public sealed class AuthorizationProperties
{
    private static readonly string[] NoAudit = [];

    [Property(MaxTest = 500, Arbitrary = [typeof(AuthorizationArbitrary)])]
    public void Evaluate_GeneratedPoliciesAndRequests_DecidesAsIstioDocuments(AuthorizationCase authz)
    {
        var authorizer = Authorizer(authz.Policies);

        foreach (var request in authz.Requests)
        {
            var expected = IstioAuthorizationReference.Evaluate(authz.Policies, request);
            var actual = authorizer.Evaluate(Context(request));

            Assert.True(expected.Allowed == actual.Allowed, $"{request}: Istio {(expected.Allowed ? "allows" : "denies")}, Mesh {actual.Reason}");
            if (actual.Action == AuthorizationAction.Deny)
            {
                Assert.Contains(actual.Policy!, expected.MatchingDeny);
            }

            Assert.True(expected.Audited.SetEquals(actual.AuditedBy), $"{request}: audited by [{string.Join(", ", expected.Audited)}] in Istio, [{string.Join(", ", actual.AuditedBy)}] in Mesh");
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(AuthorizationArbitrary)])]
    public void Evaluate_AuditPoliciesRemoved_SameDecision(AuthorizationCase authz)
    {
        var withAudit = Authorizer(authz.Policies);
        var withoutAudit = Authorizer([.. authz.Policies.Where(p => p.Spec.Action != AuthorizationAction.Audit)]);

        foreach (var request in authz.Requests)
        {
            var a = withAudit.Evaluate(Context(request));
            var b = withoutAudit.Evaluate(Context(request));
            Assert.True(a with { AuditedBy = NoAudit } == b with { AuditedBy = NoAudit }, $"{request}: {a.Reason} with AUDIT policies, {b.Reason} without");
        }
    }

    private static WorkloadAuthorizer Authorizer(IEnumerable<GeneratedPolicy> policies) =>
        AuthorizationEvaluator.Create(policies.Select(p => new PolicyEntry<AuthorizationPolicySpec>(p.Namespace, p.Name, p.Spec)))
            .ForWorkload(AuthorizationCase.WorkloadNamespace, AuthorizationCase.WorkloadLabels);

    private static RequestContext Context(AuthorizationRequest request) => new()
    {
        Principal = request.Principal,
        Method = request.Method,
        Path = request.Path,
        DestinationPort = request.Port,
    };
}
