using Mesh.Fuzz;

// mesh-fuzz <target>                      run under afl-fuzz (scripts/fuzz.sh); outside it, runs stdin once
// mesh-fuzz <target> --replay <path>...   run files or directories of inputs without AFL; exit 1 if any crashes
// mesh-fuzz seeds <corpus-dir>            write the generated seeds (signed JWTs, protobuf frames)
// mesh-fuzz list                          the target names
if (args is ["list"])
{
    foreach (var target in FuzzTargets.All)
    {
        Console.WriteLine($"{target.Name,-14} {target.Description}");
    }

    return 0;
}

if (args is ["seeds", var corpus])
{
    Mesh.Fuzz.Seeds.SeedWriter.WriteAll(corpus);
    return 0;
}

if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } chosen)
{
    Console.Error.WriteLine($"usage: mesh-fuzz <target> [--replay <file-or-dir>...] | seeds <dir> | list; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    return Replay.Run(chosen, args[2..]);
}

if (Environment.GetEnvironmentVariable("MESH_FUZZ_IN_PROCESS") == "1")
{
    SharpFuzz.Fuzzer.Run(stream => chosen.Run(FuzzInput.Read(stream)));
}
else
{
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream => chosen.Run(FuzzInput.Read(stream)));
}

return 0;
