package dev.adjoint.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * What the footers of a folder's Parquet files say: the codecs of every column chunk, each row group's
 * rows and bytes, and the file schema (as Parquet has it, with required/optional). Read with Parquet's
 * own reader, independently of Spark's.
 */
record ParquetFooters(Set<String> codecs, List<Long> rowGroupRows, List<Long> rowGroupBytes, List<MessageType> schemas) {

  static ParquetFooters of(Configuration conf, String folder) throws IOException {
    Path dir = new Path(folder);
    FileSystem fs = dir.getFileSystem(conf);
    Set<String> codecs = new TreeSet<>();
    List<Long> rows = new ArrayList<>();
    List<Long> bytes = new ArrayList<>();
    List<MessageType> schemas = new ArrayList<>();
    for (FileStatus f : fs.listStatus(dir)) {
      if (!f.getPath().getName().endsWith(".parquet")) {
        continue;
      }
      try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
        ParquetMetadata footer = r.getFooter();
        schemas.add(footer.getFileMetaData().getSchema());
        for (BlockMetaData b : footer.getBlocks()) {
          rows.add(b.getRowCount());
          bytes.add(b.getTotalByteSize());
          for (ColumnChunkMetaData c : b.getColumns()) {
            codecs.add(c.getCodec().name());
          }
        }
      }
    }
    return new ParquetFooters(codecs, rows, bytes, schemas);
  }
}
