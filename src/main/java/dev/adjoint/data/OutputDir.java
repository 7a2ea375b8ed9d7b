package dev.adjoint.data;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run's output folder on any Hadoop file system. Each file is written under a temporary name and
 * renamed when complete, so a result that exists is a whole one. An existing folder is refused unless
 * {@code overwrite}; then only the result names this job writes are removed, nothing else.
 */
public final class OutputDir {
  /** Every name a run may write; the only ones --overwrite removes. */
  public static final List<String> RESULT_NAMES = List.of("dW.npy", "db.npy", "report.json", "W.npy", "b.npy", "activations");

  private final FileSystem fs;
  private final Path dir;
  private final List<String> ownNames;

  private OutputDir(FileSystem fs, Path dir, List<String> ownNames) {
    this.fs = fs;
    this.dir = dir;
    this.ownNames = ownNames;
  }

  /** Checks a run's output folder can be used; creates nothing yet. */
  public static OutputDir prepare(Configuration conf, String path, boolean overwrite) {
    return prepare(conf, path, overwrite, RESULT_NAMES);
  }

  /** Checks the folder can be used by a writer of {@code ownNames}; creates nothing yet. */
  public static OutputDir prepare(Configuration conf, String path, boolean overwrite, List<String> ownNames) {
    Path dir = new Path(path);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(dir)) {
        FileStatus st = fs.getFileStatus(dir);
        if (!st.isDirectory()) {
          throw new InputException("output " + path + " exists and is a file; expected a folder to create");
        }
        if (!overwrite && fs.listStatus(dir).length > 0) {
          throw new InputException("output folder " + path + " exists and is not empty; pass --overwrite to replace "
              + "its results (" + String.join(", ", ownNames) + ") or choose another --output");
        }
      }
      return new OutputDir(fs, dir, ownNames);
    } catch (IOException e) {
      throw new InputException("output " + path + ": " + e.getMessage(), e);
    }
  }

  /** Removes this writer's earlier results (only its own names) and creates the folder. */
  public void clearOwnResults() throws IOException {
    fs.mkdirs(dir);
    for (String name : ownNames) {
      Path p = new Path(dir, name);
      if (fs.exists(p)) {
        fs.delete(p, true);
      }
    }
  }

  /** The full path of {@code name} in the folder, as a string Spark's writers accept. */
  public String resolve(String name) {
    return new Path(dir, name).toString();
  }

  /** Something that writes a file's bytes. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Replaces this writer's whole set of results by {@code files} (name → writer), all or nothing: every
   * file is written under a temporary name first (a failure there deletes them and leaves the old set, or
   * no folder when there was none); then the old results (own names) are moved aside, the new ones renamed
   * into place, and the old ones deleted. A failure while renaming moves the old set back.
   */
  public void replaceAll(Map<String, Writer> files) throws IOException {
    boolean created = !fs.exists(dir);
    fs.mkdirs(dir);
    List<String> written = new ArrayList<>();
    try {
      for (Map.Entry<String, Writer> f : files.entrySet()) {
        written.add(f.getKey());
        try (OutputStream out = fs.create(temporary(f.getKey(), "inprogress"), true)) {
          f.getValue().write(out);
        }
      }
    } catch (IOException | RuntimeException e) {
      for (String name : written) {
        fs.delete(temporary(name, "inprogress"), false);
      }
      if (created) {
        fs.delete(dir, true);
      }
      throw e;
    }
    List<String> old = new ArrayList<>();
    List<String> placed = new ArrayList<>();
    try {
      for (String name : ownNames) {
        if (fs.exists(new Path(dir, name))) {
          rename(new Path(dir, name), temporary(name, "old"));
          old.add(name);
        }
      }
      for (String name : files.keySet()) {
        rename(temporary(name, "inprogress"), new Path(dir, name));
        placed.add(name);
      }
    } catch (IOException | RuntimeException e) {
      for (String name : placed) {
        fs.delete(new Path(dir, name), true);
      }
      for (String name : files.keySet()) {
        fs.delete(temporary(name, "inprogress"), false);
      }
      for (String name : old) {
        fs.rename(temporary(name, "old"), new Path(dir, name));
      }
      throw e;
    }
    for (String name : old) {
      fs.delete(temporary(name, "old"), true);
    }
  }

  private Path temporary(String name, String why) {
    return new Path(dir, "." + name + "." + why);
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  /** Writes {@code name} through a temporary name and renames it into place when complete. */
  public void writeAtomically(String name, Writer writer) throws IOException {
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".inprogress");
    try (OutputStream out = fs.create(tmp, true)) {
      writer.write(out);
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    if (fs.exists(target)) {
      fs.delete(target, false);
    }
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      throw new IOException("could not rename " + tmp + " to " + target);
    }
  }
}
