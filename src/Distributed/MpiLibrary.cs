using System.Runtime.InteropServices;

namespace MoreauGen.Distributed;

/// <summary>
/// Open MPI's C library (libmpi.so.40) bound at run time: the functions as unmanaged function pointers, the predefined
/// handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM, MPI_MAX) as the addresses of the symbols Open MPI exports
/// for them (<c>ompi_mpi_comm_world</c>, …; in Open MPI a handle is a pointer to such an object).
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The library name tried by default (Open MPI 4.x, Debian package libopenmpi3).</summary>
    public const string DefaultName = "libmpi.so.40";

    /// <summary>MPI_IN_PLACE in Open MPI's mpi.h: <c>(void *) 1</c>.</summary>
    public static readonly nint InPlace = 1;

    private MpiLibrary(nint handle, string name)
    {
        Handle = handle;
        Name = name;
        Init = (delegate* unmanaged[Cdecl]<int*, byte***, int>)Export(handle, name, "MPI_Init");
        Initialized = (delegate* unmanaged[Cdecl]<int*, int>)Export(handle, name, "MPI_Initialized");
        Finalize = (delegate* unmanaged[Cdecl]<int>)Export(handle, name, "MPI_Finalize");
        Finalized = (delegate* unmanaged[Cdecl]<int*, int>)Export(handle, name, "MPI_Finalized");
        CommRank = (delegate* unmanaged[Cdecl]<nint, int*, int>)Export(handle, name, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged[Cdecl]<nint, int*, int>)Export(handle, name, "MPI_Comm_size");
        Allreduce = (delegate* unmanaged[Cdecl]<nint, void*, int, nint, nint, nint, int>)Export(handle, name, "MPI_Allreduce");
        Bcast = (delegate* unmanaged[Cdecl]<void*, int, nint, int, nint, int>)Export(handle, name, "MPI_Bcast");
        Barrier = (delegate* unmanaged[Cdecl]<nint, int>)Export(handle, name, "MPI_Barrier");
        Abort = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(handle, name, "MPI_Abort");
        CommWorld = Export(handle, name, "ompi_mpi_comm_world");
        Float = Export(handle, name, "ompi_mpi_float");
        Double = Export(handle, name, "ompi_mpi_double");
        Byte = Export(handle, name, "ompi_mpi_byte");
        Sum = Export(handle, name, "ompi_mpi_op_sum");
        Max = Export(handle, name, "ompi_mpi_op_max");
    }

    public nint Handle { get; }

    public string Name { get; }

    public delegate* unmanaged[Cdecl]<int*, byte***, int> Init { get; }

    public delegate* unmanaged[Cdecl]<int*, int> Initialized { get; }

    public delegate* unmanaged[Cdecl]<int> Finalize { get; }

    public delegate* unmanaged[Cdecl]<int*, int> Finalized { get; }

    public delegate* unmanaged[Cdecl]<nint, int*, int> CommRank { get; }

    public delegate* unmanaged[Cdecl]<nint, int*, int> CommSize { get; }

    /// <summary>MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm).</summary>
    public delegate* unmanaged[Cdecl]<nint, void*, int, nint, nint, nint, int> Allreduce { get; }

    /// <summary>MPI_Bcast(buffer, count, datatype, root, comm).</summary>
    public delegate* unmanaged[Cdecl]<void*, int, nint, int, nint, int> Bcast { get; }

    public delegate* unmanaged[Cdecl]<nint, int> Barrier { get; }

    public delegate* unmanaged[Cdecl]<nint, int, int> Abort { get; }

    public nint CommWorld { get; }

    public nint Float { get; }

    public nint Double { get; }

    public nint Byte { get; }

    public nint Sum { get; }

    public nint Max { get; }

    /// <summary>Loads <paramref name="name"/> (a file name searched the usual way, or a path).</summary>
    /// <exception cref="MpiUnavailableException">The library is missing or is not Open MPI.</exception>
    public static MpiLibrary Load(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!NativeLibrary.TryLoad(name, out nint handle))
            throw new MpiUnavailableException(
                $"Open MPI's library '{name}' could not be loaded, so this program cannot run on several processes. " +
                "Install Open MPI 4.x (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and start the program " +
                "with mpirun, or run it without --distributed.");
        return new MpiLibrary(handle, name);
    }

    private static nint Export(nint handle, string library, string symbol)
    {
        if (!NativeLibrary.TryGetExport(handle, symbol, out nint address))
            throw new MpiUnavailableException(
                $"'{library}' has no symbol '{symbol}': this binding needs Open MPI 4.x (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev); " +
                "other MPI implementations (MPICH, Microsoft MPI) are not supported.");
        return address;
    }
}
