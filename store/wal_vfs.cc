#include "store/wal_vfs.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <mutex>

namespace motcua::store {
namespace {

constexpr char kVfsName[] = "motcua-wal";
// At most this much waits in a WAL file's buffer: the unix VFS writes at
// most 128 KiB - 1 bytes in one call (it masks the length with 0x1ffff), so
// a commit of a thousand 4 KiB pages takes some 35 writes instead of 2,000.
constexpr int kWalBufferBytes = (128 << 10) - (4 << 10);
// A WAL frame starts with a 24-byte header; bytes 4..7 hold the database
// size after the commit for a commit frame and zero otherwise. The file
// starts with a 32-byte header.
constexpr int kFrameHeaderBytes = 24;
constexpr sqlite3_int64 kWalHeaderBytes = 32;

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

// The shim's WAL file. SQLite allocates it (szOsFile) and never constructs
// it: plain fields only, set in Open. The real file follows it in memory.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* buffer;
  sqlite3_int64 start;  // the file offset of buffer[0]
  int size;             // bytes held
  // The end of what was written since the log last started again (its
  // header at offset 0): writes at or beyond it append; writes before it
  // rewrite frames in place.
  sqlite3_int64 end;
  bool commit_page_next;
};

constexpr size_t kRealFileOffset = (sizeof(WalFile) + 7) & ~size_t{7};

WalFile* Shim(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }

int Flush(WalFile* file) {
  if (file->size == 0) return SQLITE_OK;
  const int size = file->size;
  file->size = 0;
  return file->real->pMethods->xWrite(file->real, file->buffer, size,
                                      file->start);
}

// A flush that fails in Close or FileControl is reported to SQLite, which
// may ignore it there; the frames it lost were not yet synced, and no
// commit was published without them (its frame is flushed at once).
int Close(sqlite3_file* base) {
  WalFile* file = Shim(base);
  const int flushed = Flush(file);
  const int closed = file->real->pMethods->xClose(file->real);
  sqlite3_free(file->buffer);
  file->buffer = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* base, void* data, int amount, sqlite3_int64 offset) {
  WalFile* file = Shim(base);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xRead(file->real, data, amount, offset);
}

int Write(sqlite3_file* base, const void* data, int amount,
          sqlite3_int64 offset) {
  WalFile* file = Shim(base);
  // The header at offset 0 starts the log again.
  if (offset == 0) file->end = 0;
  if (offset < file->end) {
    // A rewrite in place: a page written again in its transaction, or the
    // frame headers SQLite rewrites at commit after a cache spill (the
    // commit frame's among them, with no page write after it). It goes to
    // the file at once, after what the buffer holds.
    if (int rc = Flush(file); rc != SQLITE_OK) return rc;
    return file->real->pMethods->xWrite(file->real, data, amount, offset);
  }
  file->end = offset + amount;
  if (file->size > 0 && (offset != file->start + file->size ||
                         file->size + amount > kWalBufferBytes)) {
    if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  }
  if (amount > kWalBufferBytes) {
    return file->real->pMethods->xWrite(file->real, data, amount, offset);
  }
  if (file->buffer == nullptr) {
    file->buffer = static_cast<char*>(sqlite3_malloc(kWalBufferBytes));
    if (file->buffer == nullptr) return SQLITE_IOERR_NOMEM;
  }
  if (file->size == 0) file->start = offset;
  std::memcpy(file->buffer + file->size, data, amount);
  file->size += amount;
  if (amount == kFrameHeaderBytes && offset >= kWalHeaderBytes) {
    const auto* header = static_cast<const unsigned char*>(data);
    file->commit_page_next =
        (header[4] | header[5] | header[6] | header[7]) != 0;
    return SQLITE_OK;
  }
  if (file->commit_page_next) {
    // The commit frame is whole: it goes out before SQLite publishes it.
    file->commit_page_next = false;
    return Flush(file);
  }
  return SQLITE_OK;
}

int Truncate(sqlite3_file* base, sqlite3_int64 size) {
  WalFile* file = Shim(base);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  if (file->end > size) file->end = size;
  return file->real->pMethods->xTruncate(file->real, size);
}

int Sync(sqlite3_file* base, int flags) {
  WalFile* file = Shim(base);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xSync(file->real, flags);
}

int FileSize(sqlite3_file* base, sqlite3_int64* size) {
  WalFile* file = Shim(base);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xFileSize(file->real, size);
}

int Lock(sqlite3_file* base, int level) {
  sqlite3_file* real = Shim(base)->real;
  return real->pMethods->xLock(real, level);
}

int Unlock(sqlite3_file* base, int level) {
  sqlite3_file* real = Shim(base)->real;
  return real->pMethods->xUnlock(real, level);
}

int CheckReservedLock(sqlite3_file* base, int* out) {
  sqlite3_file* real = Shim(base)->real;
  return real->pMethods->xCheckReservedLock(real, out);
}

int FileControl(sqlite3_file* base, int op, void* argument) {
  WalFile* file = Shim(base);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xFileControl(file->real, op, argument);
}

int SectorSize(sqlite3_file* base) {
  sqlite3_file* real = Shim(base)->real;
  return real->pMethods->xSectorSize(real);
}

int DeviceCharacteristics(sqlite3_file* base) {
  sqlite3_file* real = Shim(base)->real;
  return real->pMethods->xDeviceCharacteristics(real);
}

// SQLite maps shared memory and pages through the database file, never
// through its WAL: the methods below only forward, for completeness.
int ShmMap(sqlite3_file* base, int region, int size, int extend,
           void volatile** out) {
  sqlite3_file* real = Shim(base)->real;
  if (real->pMethods->iVersion < 2) return SQLITE_IOERR;
  return real->pMethods->xShmMap(real, region, size, extend, out);
}

int ShmLock(sqlite3_file* base, int offset, int count, int flags) {
  sqlite3_file* real = Shim(base)->real;
  if (real->pMethods->iVersion < 2) return SQLITE_IOERR;
  return real->pMethods->xShmLock(real, offset, count, flags);
}

void ShmBarrier(sqlite3_file* base) {
  sqlite3_file* real = Shim(base)->real;
  if (real->pMethods->iVersion >= 2) real->pMethods->xShmBarrier(real);
}

int ShmUnmap(sqlite3_file* base, int remove) {
  sqlite3_file* real = Shim(base)->real;
  if (real->pMethods->iVersion < 2) return SQLITE_OK;
  return real->pMethods->xShmUnmap(real, remove);
}

int Fetch(sqlite3_file* base, sqlite3_int64 offset, int amount, void** out) {
  WalFile* file = Shim(base);
  *out = nullptr;
  if (file->real->pMethods->iVersion < 3) return SQLITE_OK;
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return file->real->pMethods->xFetch(file->real, offset, amount, out);
}

int Unfetch(sqlite3_file* base, sqlite3_int64 offset, void* page) {
  sqlite3_file* real = Shim(base)->real;
  if (real->pMethods->iVersion < 3) return SQLITE_OK;
  return real->pMethods->xUnfetch(real, offset, page);
}

const sqlite3_io_methods kWalMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* base, int flags,
         int* out_flags) {
  sqlite3_vfs* real_vfs = RealVfs(vfs);
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Everything but a WAL is the real VFS's own file, in place.
    return real_vfs->xOpen(real_vfs, name, base, flags, out_flags);
  }
  WalFile* file = Shim(base);
  file->base.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(base) +
                                               kRealFileOffset);
  file->buffer = nullptr;
  file->start = 0;
  file->size = 0;
  file->end = 0;
  file->commit_page_next = false;
  const int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (file->real->pMethods != nullptr) {
      file->real->pMethods->xClose(file->real);
    }
    return rc;
  }
  file->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_directory) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xDelete(real, name, sync_directory);
}

int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xAccess(real, name, flags, out);
}

int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xFullPathname(real, name, size, out);
}

void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xDlOpen(real, name);
}

void DlError(sqlite3_vfs* vfs, int size, char* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  real->xDlError(real, size, out);
}

void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xDlSym(real, handle, symbol);
}

void DlClose(sqlite3_vfs* vfs, void* handle) {
  sqlite3_vfs* real = RealVfs(vfs);
  real->xDlClose(real, handle);
}

int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xRandomness(real, size, out);
}

int Sleep(sqlite3_vfs* vfs, int microseconds) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xSleep(real, microseconds);
}

int CurrentTime(sqlite3_vfs* vfs, double* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xCurrentTime(real, out);
}

int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  return real->xGetLastError != nullptr ? real->xGetLastError(real, size, out)
                                        : 0;
}

int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* real = RealVfs(vfs);
  if (real->iVersion >= 2 && real->xCurrentTimeInt64 != nullptr) {
    return real->xCurrentTimeInt64(real, out);
  }
  double days = 0;
  const int rc = real->xCurrentTime(real, &days);
  *out = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}

}  // namespace

const char* WalCoalescingVfs() {
  static sqlite3_vfs vfs;
  static bool registered = false;
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (real == nullptr) return;
    vfs = sqlite3_vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(kRealFileOffset) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = kVfsName;
    vfs.pAppData = real;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    registered = sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK;
  });
  return registered ? kVfsName : nullptr;
}

}  // namespace motcua::store
