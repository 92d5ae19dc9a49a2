namespace Mesh.Cli;

/// <summary>The streams a command writes to and reads from (stdin feeds <c>apply -f -</c>).</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In);
