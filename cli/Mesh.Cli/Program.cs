using Mesh.Cli;
using Mesh.Cli.Commands;

return await MeshctlApp.RunAsync(args, new CliConsole(Console.Out, Console.Error, Console.In));
