namespace Mesh.Storage.Orleans;

// Stand-in until the orleans-sql branch lands; deleted by the merge.
public static class OrleansPostgresSiloBuilderExtensions
{
    public static ISiloBuilder UseMeshPostgres(this ISiloBuilder builder, string connectionString) => throw new NotSupportedException(connectionString.Length.ToString());
}
