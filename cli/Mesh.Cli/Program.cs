Console.Error.WriteLine("meshctl: not built yet (issue 4)");
return 2;
